/* The whole public API of libtrailseal. */
#ifndef TRAILSEAL_TRAILSEAL_H
#define TRAILSEAL_TRAILSEAL_H

#include "trailseal/analyze.h"
#include "trailseal/classes.h"
#include "trailseal/error.h"
#include "trailseal/event.h"
#include "trailseal/ingest.h"
#include "trailseal/output.h"
#include "trailseal/pack.h"
#include "trailseal/pgstat.h"
#include "trailseal/proof.h"
#include "trailseal/query.h"
#include "trailseal/redact.h"
#include "trailseal/reference.h"
#include "trailseal/report.h"
#include "trailseal/sensitive.h"
#include "trailseal/source.h"
#include "trailseal/store.h"
#include "trailseal/time.h"

#define TRAILSEAL_VERSION "0.1.0"

#endif
