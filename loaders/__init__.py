"""Portal adapters behind one interface, and the plan/apply/link steps that use them."""
