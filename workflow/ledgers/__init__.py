"""The ledgers: new-construction-land quota (one posting function moves a balance), farmland
compensation credits and their pairing, land tickets (地票)."""
