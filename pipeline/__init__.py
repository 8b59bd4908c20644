"""essaycast: turn an essay into a narrated, tagged, published podcast episode."""

__version__ = "0.1.0"
