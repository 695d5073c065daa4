"""Fixed, realistic facts for every email template: the snapshot tests render each with these."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from zoneinfo import ZoneInfo

CT = ZoneInfo("America/New_York")
PORTAL = "https://portal.ct.example.gov"
NOTICED = dt.datetime(2026, 12, 15, 14, 0, tzinfo=CT)
OPENING = dt.datetime(2026, 12, 15, 14, 0, tzinfo=CT)
TEN_DAYS = dt.datetime(2026, 12, 26, 0, 0, tzinfo=CT)  # calendar.days_after(NOTICED, 10): the end of December 25
SOLICITATION = {"id": "ITB-2026-0412", "title": "Copy paper, letter size, 20 lb"}
INVITATION = {
    **SOLICITATION,
    "agency": "DAS",
    "commodity_codes": ["64000", "64500"],
    "opening_at": OPENING,
    "lines": [
        {
            "line": "1",
            "description": "Copy paper, letter, 20 lb, white, 10 reams per case",
            "quantity": D(1200),
            "unit": "case",
            "no_substitute": False,
        },
        {
            "line": "2",
            "description": "Copy paper, legal, 20 lb, white",
            "quantity": D("150.5"),
            "unit": "case",
            "no_substitute": True,
        },
    ],
    "more_lines": 0,
    "all_or_none": False,
    "alternates_allowed": True,
    "guaranty_percent": D(5),
    "surety_percent": D(10),
    "samples_required": False,
}
AWARDED_LINES = [
    {
        "line": "1",
        "description": "Copy paper, letter, 20 lb, white, 10 reams per case",
        "unit": "case",
        "quantity": D(1200),
        "unit_price": D("41.875"),
        "total": D("50250.000"),
    },
    {
        "line": "2",
        "description": "Copy paper, legal, 20 lb, white",
        "unit": "case",
        "quantity": D(150),
        "unit_price": D("46.50"),
        "total": D("6975.00"),
    },
]
TOTAL = D("57225.00")
SURETY = {"amount": D("5722.50"), "percent": D(10), "due": TEN_DAYS}
CONTRACTOR = "Acme Office Supply LLC"
AWARD = {"award_id": "AW-7f3a2c91d0b4", "link": f"{PORTAL}/awards/AW-7f3a2c91d0b4"}
CONTRACT_LINK = f"{PORTAL}/contracts/CT-19be04a7c2d1"
ORDER = {"order_id": "PO-5d2e8a0c1b77", "contract_id": "CT-19be04a7c2d1"}
DELIVERY = {**ORDER, "delivery_id": "DL-a1b2c3d4e5f6", "link": f"{PORTAL}/deliveries/DL-a1b2c3d4e5f6"}
INVOICE = {
    "contractor": CONTRACTOR,
    "invoice_id": "INV-3c4d5e6f7a8b",
    "contract_id": "CT-19be04a7c2d1",
    "link": f"{PORTAL}/invoices/INV-3c4d5e6f7a8b",
}
PLAN = {
    "plan_id": "PLAN-DSS-FY26-28",
    "agency": "Department of Social Services",
    "period": "FY 26-28",
    "link": f"{PORTAL}/plans/PLAN-DSS-FY26-28",
}
AMENDMENT = {
    "amendment_id": "AMD-9e8d7c6b5a4f",
    "agency": "Department of Social Services",
    "service_id": "S-3",
    "to_competitive": False,
    "review_due": dt.datetime(2027, 1, 22, 23, 59, 59, tzinfo=CT),
    "link": f"{PORTAL}/amendments/AMD-9e8d7c6b5a4f",
}

RFP = {
    "id": "RFP-2026-0107",
    "title": "Case management system for the Department of Social Services",
    "agency": "DSS",
    "commodity_codes": ["20800"],
    "scope": "Configure, host and support a case management system for 1,200 caseworkers.\nMigrate 15 years of records.",
    "proposals_due": dt.datetime(2027, 1, 20, 14, 0, tzinfo=CT),
    "factors": [
        {"name": "plan_of_performance", "weight": D(25)},
        {"name": "ability", "weight": D(15)},
        {"name": "personnel_equipment_facilities", "weight": D(10)},
        {"name": "past_performance", "weight": D(15)},
        {"name": "price", "weight": D(30)},
        {"name": "financial_responsibility", "weight": D(5)},
    ],
    "conference": {
        "at": dt.datetime(2027, 1, 6, 10, 0, tzinfo=CT),
        "location": "450 Columbus Blvd, Hartford, Room 1002",
        "mandatory": True,
    },
}
RFP_LINK = f"{PORTAL}/rfps/RFP-2026-0107"

FACTS: dict[str, dict] = {
    "rfp_notice": {"rfp": RFP, "link": RFP_LINK},
    "rfp_addendum": {
        "rfp": {**RFP, "proposals_due": dt.datetime(2027, 2, 3, 14, 0, tzinfo=CT)},
        "number": 1,
        "text": "The system must also serve 300 eligibility workers.\nThe hosting must be in a FedRAMP Moderate environment.",
        "postponed_from": dt.datetime(2027, 1, 20, 14, 0, tzinfo=CT),
        "link": RFP_LINK,
    },
    "rfp_cancelled": {"rfp": RFP, "reason": "The department joined a multistate contract for case management.", "link": RFP_LINK},
    "rfp_evaluator_conflict": {
        "rfp": {"id": RFP["id"], "title": RFP["title"]},
        "evaluator": {"name": "Dana Whitfield", "official": "dana.whitfield@ct.gov"},
        "statement": "My spouse is employed by one of the proposers.",
        "link": f"{RFP_LINK}/evaluators",
    },
    "rfp_unacceptable": {
        "rfp": {"id": RFP["id"], "title": RFP["title"]},
        "proposer": "Bolt Systems LLC",
        "proposal_id": "PRP-9a8b7c6d5e4f",
        "reason": "The plan of performance omits the migration of the 15 years of records the scope requires.",
        "link": RFP_LINK,
    },
    "rfp_shortlisted": {
        "rfp": {"id": RFP["id"], "title": RFP["title"]},
        "proposer": "Acme Systems LLC",
        "proposal_id": "PRP-7c2e19a0b4d1",
        "link": RFP_LINK,
    },
    "rfp_not_shortlisted": {
        "rfp": {"id": RFP["id"], "title": RFP["title"]},
        "proposer": "Cedar Consulting LLC",
        "proposal_id": "PRP-1f2e3d4c5b6a",
        "link": RFP_LINK,
    },
    "rfp_discussion": {
        "rfp": {"id": RFP["id"], "title": RFP["title"]},
        "proposer": "Acme Systems LLC",
        "number": 3,
        "oral": True,
        "text": "In the meeting of May 4 you said the migration keeps case notes with their original dates.\nPlease confirm.",
        "link": f"{RFP_LINK}/discussions",
    },
    "rfp_discussion_reply": {
        "rfp": {"id": RFP["id"], "title": RFP["title"]},
        "proposer": "Acme Systems LLC",
        "number": 4,
        "confirms": 3,
        "text": "Confirmed: every case note keeps its original date and author after the migration.",
        "link": f"{RFP_LINK}/discussions",
    },
    "rfp_addendum_shortlisted": {
        "rfp": {"id": RFP["id"], "title": RFP["title"]},
        "proposer": "Acme Systems LLC",
        "number": 2,
        "text": "Clarification: the system keeps case notes with their original dates after the migration.",
        "link": RFP_LINK,
    },
    "rfp_bafo_request": {
        "rfp": {"id": RFP["id"], "title": RFP["title"]},
        "proposer": "Acme Systems LLC",
        "round": 1,
        "due": dt.datetime(2027, 5, 20, 14, 0, tzinfo=CT),
        "link": RFP_LINK,
    },
    "invitation_to_bid": {"solicitation": INVITATION, "link": f"{PORTAL}/solicitations/ITB-2026-0412"},
    "addendum": {
        "solicitation": {**INVITATION, "opening_at": dt.datetime(2027, 1, 5, 14, 0, tzinfo=CT)},
        "number": 2,
        "text": "Line 2: the paper must be 30% post-consumer recycled content.\nSamples are not required.",
        "postponed_from": OPENING,
        "link": f"{PORTAL}/solicitations/ITB-2026-0412",
    },
    "invitation_cancelled": {
        "solicitation": INVITATION,
        "reason": "The agency's need was met by an existing term contract.",
        "link": f"{PORTAL}/solicitations/ITB-2026-0412",
    },
    "bid_tabulation": {
        "bidder": CONTRACTOR,
        "solicitation": SOLICITATION,
        "opened_at": OPENING,
        "bid_count": 3,
        "bid_id": "BID-0c9d8e7f6a5b",
        "total": D("57225.00"),
        "notes": {"conditional": False, "addenda_missing": [2], "corrections": 1, "alternates": 0, "sample_missing": False},
        "link": f"{PORTAL}/solicitations/ITB-2026-0412/tabulation",
    },
    "bids_rejected_all": {
        "solicitation": SOLICITATION,
        "reason": "Every bid exceeds the funds available for the purchase.",
        "link": f"{PORTAL}/solicitations/ITB-2026-0412",
    },
    "award_notice": {
        **AWARD,
        "bidder": CONTRACTOR,
        "bid_id": "BID-0c9d8e7f6a5b",
        "solicitation": SOLICITATION,
        "scope": "all lines",
        "lines": AWARDED_LINES,
        "amount": TOTAL,
        "responsibility": "Financial statements for 2025 reviewed; adequate.",
        "conditional": False,
        "respond_by": TEN_DAYS,
        "contract_id": "CT-19be04a7c2d1",
        "surety": SURETY,
    },
    "contract_formed": {
        **AWARD,
        "contractor": CONTRACTOR,
        "contract_id": "CT-19be04a7c2d1",
        "solicitation": SOLICITATION,
        "lines": AWARDED_LINES,
        "total": TOTAL,
        "surety": SURETY,
        "link": CONTRACT_LINK,
    },
    "contract_formed_state": {
        **AWARD,
        "agency": "DAS",
        "contractor": CONTRACTOR,
        "contract_id": "CT-19be04a7c2d1",
        "solicitation": SOLICITATION,
        "lines": AWARDED_LINES,
        "total": TOTAL,
        "surety": SURETY,
        "link": CONTRACT_LINK,
    },
    "award_refused": {
        **AWARD,
        "bidder": CONTRACTOR,
        "share": 1,
        "scope": "line 1",
        "reason": "Our mill cannot supply the quantity before March.",
        "contract_id": "CT-19be04a7c2d1",
        "solicitation": SOLICITATION,
    },
    "award_passed_on": {
        **AWARD,
        "bidder": CONTRACTOR,
        "scope": "line 1",
        "solicitation": SOLICITATION,
        "following": ["Bolt Paper Co"],
    },
    "surety_received": {
        "contractor": CONTRACTOR,
        "contract_id": "CT-19be04a7c2d1",
        "form": "certified_check",
        "reference": "CC-004417",
        "amount": D("5722.50"),
        "required": D("5722.50"),
        "link": CONTRACT_LINK,
    },
    "surety_received_purchasing": {
        "contractor": CONTRACTOR,
        "contract_id": "CT-19be04a7c2d1",
        "form": "performance_bond",
        "reference": "PB-2026-1183",
        "amount": D("5722.50"),
        "required": D("5722.50"),
        "link": CONTRACT_LINK,
    },
    "contract_cancelled": {
        "contractor": CONTRACTOR,
        "contract_id": "CT-19be04a7c2d1",
        "ground": "missing_surety",
        "reason": "No performance surety was furnished within 10 days of the request.",
        "link": CONTRACT_LINK,
    },
    "contract_cancelled_agency": {
        "agency": "DAS",
        "contractor": CONTRACTOR,
        "contract_id": "CT-19be04a7c2d1",
        "ground": "non_performance",
        "reason": "Three deliveries late by more than two weeks.",
        "link": CONTRACT_LINK,
    },
    "award_corrected": {
        **AWARD,
        "bidder": CONTRACTOR,
        "scope": "all lines",
        "field": "unit_price",
        "line": {"line": "2", "description": "Copy paper, legal, 20 lb, white", "unit": "case"},
        "before": "465.00",
        "after": "46.50",
        "reason": "The unit price was transcribed with a misplaced decimal point.",
        "amount": TOTAL,
    },
    "award_lapsed": {**AWARD, "bidder": CONTRACTOR, "share": 1, "scope": "all lines", "respond_by": TEN_DAYS},
    "surety_missing": {
        **AWARD,
        "bidder": CONTRACTOR,
        "share": 1,
        "scope": "all lines",
        "surety": SURETY,
        "contract_id": "CT-19be04a7c2d1",
        "contract_link": CONTRACT_LINK,
    },
    "purchase_order": {
        **ORDER,
        "agency": "DAS",
        "approval": "OSC-2026-88412",
        "deliver_by": dt.date(2027, 1, 29),
        "lines": AWARDED_LINES,
        "total": TOTAL,
        "contact": "receiving@das.ct.example.gov",
        "link": f"{PORTAL}/orders/PO-5d2e8a0c1b77",
    },
    "delivery_extension_requested": {
        **ORDER,
        "contractor": "acme",
        "deliver_by": dt.date(2027, 2, 12),
        "due": dt.date(2027, 1, 29),
        "reason": "The mill is closed by a strike until February 5.",
        "link": f"{PORTAL}/orders/PO-5d2e8a0c1b77",
    },
    "delivery_extension_decided": {
        **ORDER,
        "approved": True,
        "requested": dt.date(2027, 2, 12),
        "due": dt.date(2027, 2, 12),
        "reason": "",
        "link": f"{PORTAL}/orders/PO-5d2e8a0c1b77",
    },
    "goods_rejected": {
        **DELIVERY,
        "lines": [
            {
                "line": "1",
                "description": "Copy paper, letter, 20 lb, white, 10 reams per case",
                "unit": "case",
                "quantity": D(40),
            }
        ],
        "reason": "Water-damaged cases.",
        "remove_by": dt.datetime(2027, 1, 31, 10, 30, tzinfo=CT),
    },
    "adjusted_price_proposed": {
        **DELIVERY,
        "agency": "DAS",
        "lines": [
            {
                "line": "2",
                "description": "Copy paper, legal, 20 lb, white",
                "unit": "case",
                "quantity": D(20),
                "unit_price": D("38.00"),
                "total": D("760.00"),
            }
        ],
    },
    "adjusted_prices_determined": {
        **DELIVERY,
        "lines": [
            {
                "line": "2",
                "description": "Copy paper, legal, 20 lb, white",
                "unit": "case",
                "quantity": D(20),
                "unit_price": D("40.00"),
                "total": D("800.00"),
            }
        ],
        "reason": "The shade differs slightly from the specification; the paper is otherwise usable.",
    },
    "rejected_goods_abandoned": {**DELIVERY, "remove_by": dt.datetime(2027, 1, 31, 10, 30, tzinfo=CT)},
    "open_market_charged": {
        **ORDER,
        "purchase_id": "OM-6b5a4c3d2e1f",
        "line": {
            "line": "1",
            "description": "Copy paper, letter, 20 lb, white, 10 reams per case",
            "unit": "case",
            "quantity": D(40),
        },
        "cost": D("1980.00"),
        "contract_cost": D("1675.00"),
        "excess": D("305.00"),
        "set_off": D("305.00"),
        "reason": "Rejected goods not replaced by the delivery date.",
        "link": CONTRACT_LINK,
    },
    "invoice_defective": {
        **INVOICE,
        "reason": "The invoice does not bear the purchase order number.",
        "correct_by": dt.date(2027, 2, 22),
        "due_date": dt.date(2027, 3, 29),
        "days_late": 2,
    },
    "payment_withheld": {
        **INVOICE,
        "amount": D("800.00"),
        "reason": "Twenty cases delivered short.",
        "due_date": dt.date(2027, 3, 29),
    },
    "withholding_released": {**INVOICE, "amount": D("800.00"), "due_date": dt.date(2027, 4, 12)},
    "interest_invoice": {
        **INVOICE,
        "due_date": dt.date(2027, 3, 29),
        "paid": D("57225.00"),
        "paid_on": dt.date(2027, 5, 10),
        "days_late": 42,
        "interest": D("801.78"),
        "interest_invoice_id": "INV-8a7b6c5d4e3f",
        "interest_due_date": dt.date(2027, 6, 24),
        "link": f"{PORTAL}/invoices/INV-8a7b6c5d4e3f",
    },
    "payment_reminder": {**INVOICE, "days": 10, "due_date": dt.date(2027, 3, 29), "balance": D("57225.00")},
    "payment_overdue": {**INVOICE, "due_date": dt.date(2027, 3, 29), "balance": D("57225.00")},
    "plan_submitted": {**PLAN, "submitted_on": dt.datetime(2026, 12, 15, 9, 30, tzinfo=CT), "services": 12},
    "plan_approved": {**PLAN, "note": "Approved as submitted."},
    "plan_returned": {**PLAN, "reasons": ["The procurement schedule omits service S-7.", "Add the FY 28 services."]},
    "amendment_requested": {
        **AMENDMENT,
        "plan_id": "PLAN-DSS-FY26-28",
        "period": "FY 26-28",
        "reason": "The only licensed provider in the region.",
    },
    "amendment_reminder": AMENDMENT,
    "amendment_overdue": AMENDMENT,
    "amendment_decided": {
        **AMENDMENT,
        "plan_id": "PLAN-DSS-FY26-28",
        "period": "FY 26-28",
        "approved": True,
        "decided_on": dt.datetime(2027, 1, 14, 11, 0, tzinfo=CT),
        "note": "Granted for one year.",
    },
    "competitive_procurement_courtesy": {
        "contractor": "Harbor Family Services Inc.",
        "agency": "Department of Social Services",
        "period": "FY 26-28",
        "version": 3,
        "service_id": "S-3",
        "service": "In-home family support",
        "procurement_date": dt.date(2027, 9, 1),
        "link": f"{PORTAL}/plans/PLAN-DSS-FY26-28/schedule/versions/3",
    },
    "term_shortfall": {
        "contract_id": "CT-19be04a7c2d1",
        "contractor": CONTRACTOR,
        "term_end": dt.date(2027, 6, 30),
        "lines": [
            {
                "line": "1",
                "description": "Copy paper, letter, 20 lb, white, 10 reams per case",
                "unit": "case",
                "ordered": D(980),
                "contract_quantity": D(1200),
                "least": D("1080.0"),
            }
        ],
        "link": CONTRACT_LINK,
    },
    "balance_statement_requested": {
        "contractor": CONTRACTOR,
        "contract_id": "CT-19be04a7c2d1",
        "request_id": "UBS-1a2b3c4d5e6f",
        "term_end": dt.date(2027, 6, 30),
        "link": CONTRACT_LINK,
    },
    "ordering_agency_requested": {
        "contractor": CONTRACTOR,
        "contract_id": "CT-19be04a7c2d1",
        "agency": "DOT",
        "request_id": "OA-2f3e4d5c6b7a",
        "link": CONTRACT_LINK,
    },
    "contract_amendment_signed": {
        "contractor": CONTRACTOR,
        "contract_id": "CT-19be04a7c2d1",
        "number": 1,
        "reason": "The agency needs more letter paper through June.",
        "lines": [
            {
                "line": "1",
                "description": "Copy paper, letter, 20 lb, white, 10 reams per case",
                "unit": "case",
                "quantity": (D(1200), D(1500)),
                "unit_price": (D("41.875"), D("41.875")),
            }
        ],
        "term": (dt.date(2027, 6, 30), dt.date(2027, 9, 30)),
        "link": CONTRACT_LINK,
    },
    "contract_amendment_decided": {
        "contractor": CONTRACTOR,
        "contract_id": "CT-19be04a7c2d1",
        "number": 1,
        "accepted": True,
        "reason": "",
        "link": CONTRACT_LINK,
    },
    "assignment_decided": {
        "contract_id": "CT-19be04a7c2d1",
        "contractor": CONTRACTOR,
        "assignee": "Bolt Paper Co",
        "consent": True,
        "reason": "Bolt Paper Co bought Acme's paper business and takes over its obligations.",
        "link": CONTRACT_LINK,
    },
    "vendor_confirmation_code": {
        "reissued": False,
        "vendor_id": "V-0e1d2c3b4a59",
        "legal_name": CONTRACTOR,
        "code": "482913",
        "expires_at": dt.datetime(2026, 12, 16, 9, 30, tzinfo=CT),
        "attempts": 5,
        "commodity_codes": ["64000"],
        "link": f"{PORTAL}/vendors/V-0e1d2c3b4a59/confirm",
    },
    "vendor_confirmation_reminder": {
        "vendor_id": "V-0e1d2c3b4a59",
        "legal_name": CONTRACTOR,
        "registered_at": dt.datetime(2026, 12, 15, 9, 30, tzinfo=CT),
        "code": "771205",
        "expires_at": dt.datetime(2026, 12, 23, 9, 30, tzinfo=CT),
        "link": f"{PORTAL}/vendors/V-0e1d2c3b4a59/confirm",
    },
    "evidence_requested": {
        "bidder": "Bolt Paper Co",
        "solicitation": SOLICITATION,
        "bid_id": "BID-1d2c3b4a5968",
        "requested": "Three references for contracts of similar size in the last five years.",
        "respond_by": dt.datetime(2026, 12, 21, 0, 0, tzinfo=CT),
        "link": f"{PORTAL}/solicitations/ITB-2026-0412/bids/BID-1d2c3b4a5968/evidence-requests/EVR-1",
    },
    "quantity_change_offered": {
        "bidder": "Bolt Paper Co",
        "solicitation": SOLICITATION,
        "bid_id": "BID-1d2c3b4a5968",
        "line": {"line": "1", "description": "Copy paper, letter, 20 lb, white, 10 reams per case", "unit": "case"},
        "before": D(1200),
        "after": D(1320),
        "reason": "A second office joins the purchase.",
        "link": f"{PORTAL}/solicitations/ITB-2026-0412/bids/BID-1d2c3b4a5968/quantity-changes/QC-1",
    },
    "quantity_change_decided": {
        "bidder": "Bolt Paper Co",
        "solicitation": SOLICITATION,
        "bid_id": "BID-1d2c3b4a5968",
        "line": {"line": "1", "description": "Copy paper, letter, 20 lb, white, 10 reams per case", "unit": "case"},
        "before": D(1200),
        "after": D(1320),
        "accepted": True,
        "link": f"{PORTAL}/solicitations/ITB-2026-0412/bids/BID-1d2c3b4a5968/quantity-changes/QC-1",
    },
    "attention_needed": {
        "state": "Open bids",
        "process": "invitation-to-bid",
        "execution": "itb-ITB-2026-0412",
        "error": "SealBroken",
        "cause": "Bid BID-0c9d8e7f6a5b does not match the commitment on its receipt.",
        "reference": "ATT-itb-ITB-2026-0412-open-bids",
        "occurrences": 1,
        "link": f"{PORTAL}/attention/ATT-itb-ITB-2026-0412-open-bids",
    },
}

# negotiation and award of a request for proposals (R-16d, R-16h-l, R-16m-o)
NEGOTIATING = {"id": "RFP-2026-0107", "title": RFP["title"], "agency": "DSS"}
FACTS |= {
    "rfp_disclosure": {
        "rfp": NEGOTIATING,
        "proposer": "Acme Systems LLC",
        "proposal_id": "PRP-7c2e19a0b4d1",
        "withheld": [{"part": "documents/migration method", "reason": "A trade secret: the method is not published."}],
        "disclosed": [{"part": "price", "reason": "The price of a contract the State awards is public (Sec. 4a-52-16(m))."}],
        "link": f"{RFP_LINK}/proposals/PRP-7c2e19a0b4d1",
    },
    "rfp_negotiation_opened": {
        "rfp": NEGOTIATING,
        "proposer": "Acme Systems LLC",
        "number": 1,
        "terminated_at": None,
        "notice_due": None,
        "reasons": None,
        "link": RFP_LINK,
    },
    "rfp_negotiation_terminated": {
        "rfp": NEGOTIATING,
        "proposer": "Acme Systems LLC",
        "number": 1,
        "terminated_at": dt.datetime(2027, 3, 1, 15, 30, tzinfo=CT),
        "notice_due": dt.datetime(2027, 3, 5, 0, 0, tzinfo=CT),
        "reasons": "The compensation asked exceeds the estimated value by 40%.",
        "link": RFP_LINK,
    },
    "rfp_termination_notice": {
        "rfp": NEGOTIATING,
        "proposer": "Acme Systems LLC",
        "number": 1,
        "terminated_at": dt.datetime(2027, 3, 1, 15, 30, tzinfo=CT),
        "notice_due": dt.datetime(2027, 3, 5, 0, 0, tzinfo=CT),
        "reasons": "The compensation asked exceeds the estimated value by 40%.\nThe proposer cannot staff the migration before July.",
        "link": RFP_LINK,
    },
    "rfp_award_notice": {
        "rfp": NEGOTIATING,
        "proposer": "Bolt Software Inc",
        "price": D("1180000.00"),
        "contract_id": "CT-19be04a7c2d1",
        "principal_elements": [
            "Price reduced from $1,250,000.00 to $1,180,000.00 for a five-year term.",
            "Migration completed within six months, with two named database engineers.",
        ],
        "link": f"{RFP_LINK}/award",
    },
    "rfp_award_made": {
        "rfp": NEGOTIATING,
        "proposer": "Acme Systems LLC",
        "awardee": "Bolt Software Inc",
        "price": D("1180000.00"),
        "link": f"{RFP_LINK}/award",
    },
    "rfp_unawarded": {
        "rfp": NEGOTIATING,
        "proposer": "Acme Systems LLC",
        "reason": "No shortlisted proposer agreed to a fair and reasonable compensation.",
        "link": RFP_LINK,
    },
}

# direct purchase authority
DELEGATION_LINK = f"{PORTAL}/delegations/DPA-1E"
DELEGATION = {
    "number": "DPA-1E",
    "agency": "DOT",
    "agency_head": "Commissioner of Transportation",
    "activity": "Highway maintenance supplies",
    "dollar_limit": D("25000.00"),
    "minor_nonrecurring": False,
    "re_delegable": True,
    "starts_on": dt.date(2026, 7, 1),
    "ends_on": dt.date(2027, 6, 30),
    "revoke_reason": None,
}
FACTS |= {
    "delegation_granted": {"delegation": DELEGATION, "link": DELEGATION_LINK},
    "delegation_revoked": {
        "delegation": {**DELEGATION, "revoke_reason": "Three orders in March carried no quotations and no non-competitive note."},
        "link": DELEGATION_LINK,
    },
    "delegation_expired": {"delegation": DELEGATION, "link": DELEGATION_LINK},
    "delegation_order_copy": {
        "delegation": DELEGATION,
        "order": {
            "id": "DPO-7f3a91c2",
            "vendor": "Nutmeg Road Supply LLC",
            "description": "Road salt, 40 tons, delivered to the Newington garage",
            "amount": D("3480.00"),
            "issued_at": dt.datetime(2026, 12, 15, 10, 30, tzinfo=CT),
            "quotations": [
                {"vendor": "Nutmeg Road Supply LLC", "amount": D("3480.00")},
                {"vendor": "Charter Oak Materials Inc", "amount": D("3725.50")},
            ],
            "non_competitive_reason": None,
        },
        "link": f"{DELEGATION_LINK}/orders/DPO-7f3a91c2",
    },
}

# sole source and emergency purchases
SOLE_SOURCE = {
    "id": "SS-3b7e1c09a2f4",
    "title": "Replacement controller boards for the Hartford data center chillers",
    "agency": "DAS",
    "contractor": "Northeast Chiller Service Co",
    "basis": "compatibility",
    "estimated_amount": D("48500.00"),
    "justification": "Only the manufacturer's boards are compatible with the installed chiller controls.",
}
SOLE_SOURCE_LINK = f"{PORTAL}/sole-source-requests/SS-3b7e1c09a2f4"
EMERGENCY = {
    "id": "EP-6c1d9e2b7a30",
    "agency": "DOT",
    "contractor": "Valley Pump Rental LLC",
    "threat": "A failed storm drain pump is flooding the Route 9 underpass.",
    "why_not_normal": "The underpass must reopen tonight; a solicitation takes weeks.",
    "limited_to_need": "Two pumps for five days, until the repaired pump is back.",
    "selection_basis": "The lowest of the two quotations and available within two hours.",
    "quotations": [
        {"vendor": "Valley Pump Rental LLC", "amount": D("2400.00")},
        {"vendor": "Shoreline Equipment Inc", "amount": D("3100.00")},
    ],
    "competition_statement": None,
    "lines": [
        {
            "line": 1,
            "description": "Trash pump, 6 inch, rental",
            "quantity": D(10),
            "unit": "day",
            "unit_price": D("220.00"),
            "total": D("2200.00"),
        },
        {
            "line": 2,
            "description": "Delivery and pickup",
            "quantity": D(1),
            "unit": "each",
            "unit_price": D("200.00"),
            "total": D("200.00"),
        },
    ],
    "amount": D("2400.00"),
}
EMERGENCY_LINK = f"{PORTAL}/emergency-purchases/EP-6c1d9e2b7a30"
FACTS |= {
    "sole_source_requested": {"request": SOLE_SOURCE, "link": SOLE_SOURCE_LINK},
    "sole_source_determined": {
        "request": SOLE_SOURCE,
        "status": "competed",
        "determination": None,
        "scope": None,
        "effective_until": None,
        "reason": "Two other service firms are certified for these controls.",
        "solicitation_id": "ITB-2026-0533",
        "link": SOLE_SOURCE_LINK,
    },
    "sole_source_contracted": {
        "request": SOLE_SOURCE,
        "contract_id": "CT-8a4f2e61b9d3",
        "price": D("46200.00"),
        "terms": "Delivery within 30 days of the order; installation included; one-year warranty.",
        "effective_until": dt.date(2027, 6, 30),
        "link": f"{PORTAL}/contracts/CT-8a4f2e61b9d3",
    },
    "emergency_approval_needed": {"purchase": EMERGENCY, "link": EMERGENCY_LINK},
    "emergency_decided": {
        "purchase": EMERGENCY,
        "approved": True,
        "contract_id": "CT-2d9b7c4e1f08",
        "reason": None,
        "link": EMERGENCY_LINK,
    },
}

# purchase requisitions: a pre-itemized form due back by the end of Friday 15 January 2027
PRE_ITEMIZED = {
    "requisition_id": "REQ-2026-0031",
    "agency": "DOT",
    "description": "Winter road salt, quarterly schedule",
    "items": [
        {"line": 1, "description": "Rock salt, bulk, delivered to the district garage", "unit": "ton"},
        {"line": 2, "description": "Calcium chloride flakes, 50 lb bag", "unit": "bag"},
    ],
    "return_due": dt.datetime(2027, 1, 16, 0, 0, tzinfo=CT),
    "link": f"{PORTAL}/requisitions/REQ-2026-0031",
}
FACTS |= {
    "requisition_form_issued": PRE_ITEMIZED,
    "requisition_return_reminder": PRE_ITEMIZED,
    "requisition_return_overdue": PRE_ITEMIZED,
    "requisition_received": {
        "requisition_id": "REQ-2026-0044",
        "agency": "DOT",
        "description": "Traffic cones for the spring paving season",
        "lines": [
            {
                "line": 1,
                "description": "Traffic cone, 28 in, reflective collar",
                "unit": "each",
                "quantity": D(400),
                "estimated_unit_price": D("18.50"),
            },
            {
                "line": 2,
                "description": "Barricade light, amber",
                "unit": "each",
                "quantity": D(50),
                "estimated_unit_price": D("32.125"),
            },
        ],
        "estimated_total": D("9006.250"),
        "needed_by": dt.date(2026, 4, 15),
        "returned": False,
        "late": False,
        "link": f"{PORTAL}/requisitions/REQ-2026-0044",
    },
    "requisition_cancelled": {
        "requisition_id": "REQ-2026-0044",
        "agency": "DOT",
        "description": "Traffic cones for the spring paving season",
        "reason": "The need is covered by the statewide term contract awarded last week.",
        "by_bureau": True,
        "link": f"{PORTAL}/requisitions/REQ-2026-0044",
    },
}
