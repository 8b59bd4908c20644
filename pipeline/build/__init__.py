"""The build: the ordered stages (stages.py), what each stage reads (keys), what the last build
knew (manifest), and how the stages run for every script, locally or on a Dask cluster."""
