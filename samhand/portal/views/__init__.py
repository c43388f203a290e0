"""Portal pages, one module per page. Every view goes through decorators.member_view."""
