"""Streamlit-side helpers shared by the pages: data access with caching, URL-bound filters.

Everything here is thin: computation lives in `analytics` (which never imports streamlit).
"""
