"""Pure domain of the reporting service: no I/O, no clock, no frameworks.

facts (records and day bucketing) · projection (contract event → facts) · figures (definitions, rates,
percentiles) · periods (month / quarter) · ranking (township score, 一月一排名 / 一季一考核)
"""
