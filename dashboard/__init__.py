"""The Plotly Dash app: pages under dashboard/pages, queries apart from layout."""
