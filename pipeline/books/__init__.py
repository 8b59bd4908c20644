"""The talking book: each episode as an EPUB 3 with Media Overlays and as an M4B, and the show's
book."""
