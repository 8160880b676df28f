"""Plotly figures the app, notebooks and reports share (house rules: display names, titled colour bars,
signed maps on a diverging scale centred at zero). Needs plotly only: no Streamlit, no app/."""
