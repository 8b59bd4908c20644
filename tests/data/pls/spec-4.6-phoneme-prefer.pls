<?xml version="1.0" encoding="UTF-8"?>
<lexicon version="1.0"
      xmlns="http://www.w3.org/2005/01/pronunciation-lexicon"
      xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
      xsi:schemaLocation="http://www.w3.org/2005/01/pronunciation-lexicon
        http://www.w3.org/TR/2007/CR-pronunciation-lexicon-20071212/pls.xsd"
      alphabet="ipa" xml:lang="en-GB">
  <lexeme>
    <grapheme>Newton</grapheme>
    <phoneme>ˈnjuːtən</phoneme>
    <!-- IPA string is: "&#x2C8;nju&#x2D0;t&#x0259;n" -->
    <phoneme prefer="true">ˈnjuːʔn̩</phoneme>
  </lexeme>
  <lexeme>
    <grapheme>huge</grapheme>
    <phoneme prefer="true">hjuːdʒ</phoneme>
    <phoneme>juːdʒ</phoneme>
  </lexeme>
</lexicon>
