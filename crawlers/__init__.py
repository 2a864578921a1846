"""Scrapy project: one mapping-driven spider for every legacy unit site."""
