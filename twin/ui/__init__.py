"""The what-if cockpit: a Dash app (``app.py``), its pages (``pages/``) and their figures.

Nothing outside this package imports it; the CLI only launches it through ``twin.cli.ui``,
which stays light (Dash is imported when the cockpit starts). Entry: ``twin.ui.app.create_app``.
"""
