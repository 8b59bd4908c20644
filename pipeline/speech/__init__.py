"""The voice: engines behind one interface, the synthesis pool and its cache, and the lexicon
bound to what a voice accepts."""
