"""Spatial truth: parcel boundaries, the county's versioned reference layers, and the overlay that
judges the law on the land (PostGIS on PostgreSQL, shapely and pyproj on SQLite)."""
