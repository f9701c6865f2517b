"""Kestrel: a network that exists only in tests, to prove the contract that adding a
network touches its package and the registry, nothing else (see test_network_contract.py).

Its handles are "@name-kestrel"; it counts code points, not graphemes, and every link as
10 characters.
"""
