"""The static site: every entity, article and claim as a page or anchor (`factbot site`)."""
