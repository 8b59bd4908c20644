"""What listeners and apps read: transcripts and captions, pages, the feed, the artwork and
the producer's report."""
