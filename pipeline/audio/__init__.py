"""The episode's sound: layout with pauses, mastering to the loudness target, the meter, MP3
frames and chapter encodes, the M4B and the ID3 tag."""
