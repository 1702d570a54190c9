"""Colours by entity type, shared by the embeds and the pictures (no Discord import)."""

COLOURS: dict[str | None, int] = {
    "person": 0x3B82F6,
    "organisation": 0x10B981,
    "country": 0xF59E0B,
    "place": 0xEAB308,
    "event": 0xEF4444,
    "outlet": 0x8B5CF6,
    "document": 0x6B7280,
    "programme": 0x14B8A6,
    None: 0x64748B,
}
