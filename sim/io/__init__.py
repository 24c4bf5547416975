"""Reading and writing logs and results: CSV and Parquet, validated, written atomically."""
