"""Reading what the producer gave: script files, front matter, saved web pages, inferred
metadata, and the narration (what the listener will hear) made from them."""
