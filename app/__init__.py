"""Digit Lens Streamlit app. Streamlit lives only in this package."""
