"""What leaves the product as a file or a picture: board-ready Altair charts (and their PNG
and SVG), table exports (CSV, Excel, Parquet, with metadata) and the HTML/PDF reports.
Outputs draw protected tables only; they compute nothing of their own.
"""
