"""The operator's tools: migrations, the seed, the demo portfolio, bulk import and export of
surveyed parcels."""
