"""The Discord door: the client, its views and how it starts. The core knows nothing of it."""
