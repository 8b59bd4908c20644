<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE lexicon [ <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"> <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;"> ]>
<lexicon version="1.0" xmlns="http://www.w3.org/2005/01/pronunciation-lexicon"
      alphabet="ipa" xml:lang="en-US">
  <lexeme>
    <grapheme>bomb</grapheme>
    <alias>&b;</alias>
  </lexeme>
</lexicon>
