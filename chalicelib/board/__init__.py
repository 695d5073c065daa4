"""The public pages (the bid board, one page per solicitation, the registers, the OPM plans page), their CSV downloads
and the iCalendar feed of openings: server-rendered from the public service functions with no viewer, through the
models the public JSON routes answer, so a page never shows what a public route would not."""
