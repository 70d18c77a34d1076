"""Migration of zipline bundles (bcolz, HDF5, HDFStore) into the Parquet store."""
