"""The Service Reference Variant type and the catalogue agree."""

from __future__ import annotations

import pytest

from gbdsp.domain.errors import InvalidValue
from gbdsp.domain.srv import ServiceReferenceVariant, catalogue


def test_its_service_reference_is_the_catalogues_for_every_srv() -> None:
    for srv in catalogue().by_id.values():
        assert ServiceReferenceVariant(srv.variant).service_reference == srv.service_reference


@pytest.mark.parametrize("text", ["", "8", "8.", "8.2.", "a.b", "8.2.1.1", " 8.2", "123.1"])
def test_anything_else_is_refused(text: str) -> None:
    with pytest.raises(InvalidValue):
        ServiceReferenceVariant(text)


def test_variants_sort_by_number_and_compare_as_text() -> None:
    found = sorted(
        map(ServiceReferenceVariant, ["8.14.1", "8.2", "4.1.1"]), key=lambda v: v.numbers
    )
    assert found == ["4.1.1", "8.2", "8.14.1"]
    assert ServiceReferenceVariant("8.2") == "8.2"
