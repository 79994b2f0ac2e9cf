"""Payments of bookings: the provider-neutral records and rules (models, services), and one module per provider
(stripe). A second provider is a second module beside `stripe`, not a rewrite."""
