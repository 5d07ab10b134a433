"""Personal names: cleaning, Tibetan components and variants, Han surnames, pinyin keys, comparison."""
from linkage.roster.names.compare import NAME_LEVELS, name_levels
from linkage.roster.names.normalize import NAME_FIELDS, clean_name, normalize_name, normalize_names

__all__ = ["NAME_FIELDS", "NAME_LEVELS", "clean_name", "name_levels", "normalize_name", "normalize_names"]
