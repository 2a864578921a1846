"""The mapping files bundled with portalize: the defaults found when neither
PORTALIZE_MAPPINGS nor ./mappings is there. Data only; this file makes them a package
that importlib.resources can read from a wheel, an egg or a checkout."""
