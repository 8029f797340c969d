"""itdash's ETL: fetch → parse → extract → normalise → validate → load.

No stage imports a later one; `etl.pipeline` runs them in order.
"""
