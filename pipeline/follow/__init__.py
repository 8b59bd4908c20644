"""Following a publication: pages and feeds fetched politely over HTTP, imported once each."""
