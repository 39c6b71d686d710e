"""Documents: the files that records and portal applications carry (一书四方案, the grant
contract, the idle-land determination, the completion survey).

``sniff`` says what a file is from its first bytes (never from its name), ``store`` keeps the
bytes addressed by their SHA-256 (a local directory, or an S3-compatible bucket), ``services``
files one (bytes stored first, outside the transaction; then the row, the audit event with the
hash and the outbox event in one command) and ``queries`` lists and serves them under the same
scope rules as the parcel they belong to.
"""
