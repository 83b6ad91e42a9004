"""``chainrule.utils``."""
