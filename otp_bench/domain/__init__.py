"""Domain: the platform's vocabulary as plain data (ids, licences, use cases, flags, phones).

Stdlib and phonenumbers only; every other package builds on these types.
"""
