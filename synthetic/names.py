"""People's true names, and the way a clerk writes them on one record (transliteration, abbreviation, typos)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synthetic import tables
from synthetic.params import GeneratorParams, SourceNoise
from synthetic.population import FEMALE, MALE, Population
from synthetic.rng import stream, zipf_weights

_TIBETAN_PREFIXES = ("小", "大", "小", "大", "老")
_SEPARATORS_TIBETAN = ("·", "·", " ", "•", "・", "．", "\u3000")
_SEPARATORS_HAN = (" ", " ", "\u3000")


@dataclass(frozen=True)
class PersonNames:
    """Per person: Tibetan components (index, own spelling) or Han surname + given name."""

    tibetan: np.ndarray        # bool
    comp1: np.ndarray          # component index or -1 (one-component names)
    comp2: np.ndarray          # component index (Tibetan) or -1
    variant1: np.ndarray       # index into that component's variants: the person's registered spelling
    variant2: np.ndarray
    prefix: np.ndarray         # '' or 大/小/老 the person is commonly called with
    surname: np.ndarray        # Han only, else ''
    given: np.ndarray          # Han only, else ''

    def written(self) -> np.ndarray:
        """The registered (clean) written name of every person."""
        variants = tables.tibetan_components().variants
        out = np.empty(len(self.tibetan), dtype=object)
        for i in range(len(out)):
            if self.tibetan[i]:
                first = variants[self.comp1[i]][self.variant1[i]] if self.comp1[i] >= 0 else ""
                out[i] = first + variants[self.comp2[i]][self.variant2[i]]
            else:
                out[i] = self.surname[i] + self.given[i]
        return out


def _component_weights(params: GeneratorParams) -> np.ndarray:
    n = len(tables.tibetan_components().canonical)
    weights = np.empty(n)
    order = np.arange(n)
    if params.tibetan_component_order_seed:
        stream(params.tibetan_component_order_seed, "component-order").shuffle(order)
    weights[order] = zipf_weights(n, params.tibetan_component_zipf)
    return weights


def _draw_components(rng: np.random.Generator, weights: np.ndarray, allowed: np.ndarray, size: int) -> np.ndarray:
    w = np.where(allowed, weights, 0.0)
    return rng.choice(len(w), size=size, p=w / w.sum())


def _own_variants(rng: np.random.Generator, comps: np.ndarray, share: float) -> np.ndarray:
    counts = np.array([len(v) for v in tables.tibetan_components().variants])
    n_variants = np.where(comps >= 0, counts[np.maximum(comps, 0)], 1)
    other = rng.random(len(comps)) < share
    alternative = 1 + rng.integers(0, 1 << 30, len(comps)) % np.maximum(n_variants - 1, 1)
    return np.where(other & (n_variants > 1), alternative, 0)


def build_names(population: Population, seed: int, params: GeneratorParams) -> PersonNames:
    """Tibetan names: two Zipf-weighted components, the second matching sex; Han names by surname rank."""
    rng = stream(seed, "names")
    components = tables.tibetan_components()
    n = len(population.sex)
    tibetan = population.household_tibetan[population.household]
    weights = _component_weights(params)
    hint = components.gender_hint
    male = population.sex == MALE

    # the first component is any component not marked for the other sex; the second matches the sex
    comp1 = np.where(male, _draw_components(rng, weights, hint != "female", n),
                     _draw_components(rng, weights, hint != "male", n))
    comp2 = np.where(male, _draw_components(rng, weights, hint == "male", n),
                     _draw_components(rng, weights, hint == "female", n))
    unisex_second = rng.random(n) < 0.25
    comp2 = np.where(unisex_second, _draw_components(rng, weights, hint == "unisex", n), comp2)
    same = comp1 == comp2
    while same.any():
        comp1[same] = _draw_components(rng, weights, hint == "unisex", int(same.sum()))
        same = comp1 == comp2
    one_component = rng.random(n) < params.tibetan_one_component_share
    comp1[one_component] = -1
    variant1 = _own_variants(rng, comp1, params.tibetan_own_variant_share)
    variant2 = _own_variants(rng, comp2, params.tibetan_own_variant_share)
    prefix = np.where(rng.random(n) < params.tibetan_prefix_share,
                      np.array(_TIBETAN_PREFIXES, dtype=object)[rng.integers(0, len(_TIBETAN_PREFIXES), n)], "")

    surname, given = _han_names(rng, population, params)
    return PersonNames(
        tibetan=tibetan,
        comp1=np.where(tibetan, comp1, -1),
        comp2=np.where(tibetan, comp2, -1),
        variant1=variant1,
        variant2=variant2,
        prefix=np.where(tibetan, prefix, ""),
        surname=np.where(tibetan, "", surname),
        given=np.where(tibetan, "", given),
    )


def _han_names(rng: np.random.Generator, population: Population, params: GeneratorParams) -> tuple[np.ndarray, np.ndarray]:
    han = tables.han_names()
    n = len(population.sex)
    single = ~han.surname_is_compound
    weights = np.zeros(len(han.surnames))
    weights[single] = zipf_weights(int(single.sum()), params.han_surname_zipf) * (1 - params.han_compound_surname_share)
    weights[~single] = params.han_compound_surname_share / max(int((~single).sum()), 1)
    own_surname = han.surnames[rng.choice(len(weights), size=n, p=weights / weights.sum())]
    # children and the head's parents carry the head's surname
    head = population.household_start[population.household]
    inherits = np.isin(population.relation, ("之子", "之女", "之父"))
    surname = np.where(inherits, own_surname[head], own_surname)

    lean = han.given_lean
    given = np.empty(n, dtype=object)
    for sex, allowed in ((MALE, lean != "f"), (FEMALE, lean != "m")):
        chars = han.given_chars[allowed]
        who = np.flatnonzero(population.sex == sex)
        first = chars[rng.integers(0, len(chars), len(who))]
        second = chars[rng.integers(0, len(chars), len(who))]
        one_char = rng.random(len(who)) < params.han_single_given_share
        given[who] = np.where(one_char, first, np.char.add(first.astype(str), second.astype(str)).astype(object))
    return surname, given


@dataclass(frozen=True)
class WrittenNames:
    """Names as written on records, with the noise kind applied to each (None = clean)."""

    text: np.ndarray
    kind: np.ndarray


def write_names(names: PersonNames, persons: np.ndarray, noise: SourceNoise, rng: np.random.Generator,
                unknown_markers: tuple[str, ...]) -> WrittenNames:
    """Render the names of the given persons for one source's records."""
    variants = tables.tibetan_components().variants
    han = tables.han_names()
    n = len(persons)
    draws = rng.random((n, 8))
    picks = rng.integers(0, 1_000_000, (n, 4))
    text = np.empty(n, dtype=object)
    kind = np.empty(n, dtype=object)
    for row, person in enumerate(persons):
        d, p = draws[row], picks[row]
        if d[0] < noise.name_unknown:
            marker = unknown_markers[p[0] % len(unknown_markers)]
            text[row], kind[row] = (marker or None), "unknown"
            continue
        if names.tibetan[person]:
            text[row], kind[row] = _write_tibetan(names, int(person), d, p, noise, variants)
        else:
            text[row], kind[row] = _write_han(names.surname[person], names.given[person], d, p, noise, han)
    return WrittenNames(text=text, kind=kind)


def _write_tibetan(names: PersonNames, person: int, d: np.ndarray, p: np.ndarray, noise: SourceNoise,
                   variants: tuple[tuple[str, ...], ...]) -> tuple[str, str | None]:
    kinds: list[str] = []
    comps = [(c, v) for c, v in ((names.comp1[person], names.variant1[person]),
                                 (names.comp2[person], names.variant2[person])) if c >= 0]
    if d[1] < noise.name_translit:
        which = p[0] % len(comps)
        comp, own = comps[which]
        if len(variants[comp]) > 1:
            other = (own + 1 + p[1] % (len(variants[comp]) - 1)) % len(variants[comp])
            comps[which] = (comp, other)
            kinds.append("translit")
    parts = [variants[c][v] for c, v in comps]
    if len(parts) == 2 and d[2] < noise.name_one_component:
        parts = [parts[p[2] % 2]]
        kinds.append("one_component")
    if len(parts) == 2 and d[3] < noise.name_abbrev:
        full = parts[0] + parts[1]
        style = p[3] % 20
        parts = [full[0] + full[2] if style < 15 else (full[:2] if style < 18 else full[-2:])]
        kinds.append("abbreviation")
    separator = ""
    if len(parts) == 2 and d[4] < noise.name_separator:
        separator = _SEPARATORS_TIBETAN[p[0] % len(_SEPARATORS_TIBETAN)]
        kinds.append("separator")
    written = separator.join(parts)
    if names.prefix[person] and d[5] < noise.name_prefix:
        written = names.prefix[person] + written
        kinds.append("prefix")
    return written, "|".join(kinds) or None


def _write_han(surname: str, given: str, d: np.ndarray, p: np.ndarray, noise: SourceNoise,
               han: tables.HanNames) -> tuple[str, str | None]:
    kinds: list[str] = []
    chars = list(surname + given)
    if d[1] < noise.name_homophone:
        slots = [i for i, c in enumerate(chars) if c in han.homophones]
        if slots:
            i = slots[p[0] % len(slots)]
            options = han.homophones[chars[i]]
            chars[i] = options[p[1] % len(options)]
            kinds.append("homophone")
    if d[2] < noise.name_shape:
        slots = [i for i, c in enumerate(chars) if c in han.shape_alikes]
        if slots:
            i = slots[p[2] % len(slots)]
            options = han.shape_alikes[chars[i]]
            chars[i] = options[p[3] % len(options)]
            kinds.append("shape")
    written = "".join(chars)
    if d[4] < noise.name_separator:
        cut = len(surname)
        written = written[:cut] + _SEPARATORS_HAN[p[0] % len(_SEPARATORS_HAN)] + written[cut:]
        kinds.append("separator")
    return written, "|".join(kinds) or None
