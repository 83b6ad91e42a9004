"""``chainrule.utils.data``: Dataset, DataLoader, random_split, Subset."""
