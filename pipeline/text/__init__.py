"""Pure text functions, each with doctests: cleaning a scraped essay, finding its structure,
splitting sentences, and writing numbers and symbols as the voice should say them."""
