"""Case outcomes from linked records: persons, returns after an escort home, poverty-list matches."""
from linkage.roster.outcomes.persons import build_persons
from linkage.roster.outcomes.poverty import poverty_matches
from linkage.roster.outcomes.returns import find_returns

__all__ = ["build_persons", "find_returns", "poverty_matches"]
