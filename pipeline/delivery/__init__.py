"""Getting the release to listeners: the local preview server, checks of the built and the
published site, publishing to storage, and the talking books' validators."""
