"""The low modules every stage uses: the data that flows between stages (model), the one error
root, atomic writes, digests, the one subprocess wrapper, language tags and progress reporting.
Nothing here imports another essaycast package."""
