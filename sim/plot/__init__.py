"""Figures in one paper style (``style``): figure functions over tidy data and an ``ax`` (``figures``),
tidy tables made from a sweep (``data``), and rendering a sweep's figures (``render``)."""
