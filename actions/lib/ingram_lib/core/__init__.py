"""What the Marketplace and Xvantage sides share; imports nothing from the rest of the pack."""

PACK = "ingram_micro"
