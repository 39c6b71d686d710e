"""The domain of Landflow: models, the one-transaction service, rules, effects, ledgers, the
audit chain and the read side. Knows nothing of HTTP."""
