"""Provides the reference central catalog service of the chain (products, prices, online stock,
reviews, change feed, delivery orders, store availability), FastAPI over a small repository layer.
"""
