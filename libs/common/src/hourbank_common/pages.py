"""The one page model of every paginated HTTP answer: offset and limit in, totals out."""

from __future__ import annotations

from typing import Generic, Self, TypeVar

from pydantic import BaseModel, Field

__all__ = ["Page", "PageInfo"]

ItemT = TypeVar("ItemT")


class PageInfo(BaseModel):
    """Where this page sits in the whole list."""

    limit: int = Field(description="The most items a page holds.")
    offset: int = Field(description="How many items come before this page.")
    total: int = Field(description="How many items the whole list holds.")
    next_offset: int | None = Field(
        description="The offset of the next page; null on the last page."
    )

    @classmethod
    def of(cls, *, offset: int, limit: int, total: int) -> PageInfo:
        following = offset + limit
        return cls(
            limit=limit,
            offset=offset,
            total=total,
            next_offset=following if following < total else None,
        )


class Page(PageInfo, Generic[ItemT]):
    """A page of items and where it sits in the whole list."""

    items: list[ItemT]

    @classmethod
    def of_items(cls, items: list[ItemT], *, offset: int, limit: int, total: int) -> Self:
        info = PageInfo.of(offset=offset, limit=limit, total=total)
        return cls(items=items, **info.model_dump())
