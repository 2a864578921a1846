"""Scrapy settings for portalize crawls. Our own settings share the PORTALIZE_ prefix."""
BOT_NAME = "portalize"
SPIDER_MODULES = ["portalize.crawlers.spiders"]
NEWSPIDER_MODULE = "portalize.crawlers.spiders"

USER_AGENT = "portalize/0.1 (migration of a unit website into the provincial portal)"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 8
# Scrapy starts this many asyncio workers for the output of every response; the ledger
# pipeline stores one page at a time, so 100 (the default) only costs task churn (a profile of
# a 4,000-page crawl spent a third of its time creating and scheduling those tasks).
CONCURRENT_ITEMS = 4
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 20 * 1024 * 1024   # pages: a response larger than this is recorded, not stored
RETRY_TIMES = 2
PORTALIZE_RETRY_BACKOFF = 1.0      # seconds before the first retry; doubles each time
PORTALIZE_RETRY_BACKOFF_MAX = 30.0
# Every response is kept, errors included: the spider sees 4xx/5xx and records them.
HTTPERROR_ALLOW_ALL = True
COOKIES_ENABLED = False
# Scrapy follows <meta http-equiv="refresh"> on its own, past every guard of ours (a page could
# send the crawler to 169.254.169.254 or 127.0.0.2). The spider reads refresh targets as links
# instead: same hosts only, like any other link.
METAREFRESH_ENABLED = False
TELNETCONSOLE_ENABLED = False
# Every name resolution is checked: a legacy host whose DNS answers with a private, loopback or
# link-local address (or is re-pointed there between two look-ups) is refused.
DNS_RESOLVER = "portalize.crawlers.resolver.GuardedResolver"
LOG_LEVEL = "WARNING"
AUTOTHROTTLE_ENABLED = False
AUTOTHROTTLE_TARGET_CONCURRENCY = 4.0

DOWNLOADER_MIDDLEWARES = {
    # Retries with exponential backoff in place of Scrapy's immediate ones.
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "portalize.crawlers.middlewares.BackoffRetryMiddleware": 550,
    "portalize.crawlers.middlewares.RobotsTxtOnceMiddleware": 560,
    # After RedirectMiddleware (600) in request order, so its process_response runs first.
    "portalize.crawlers.middlewares.RedirectGuardMiddleware": 650,
    "portalize.crawlers.middlewares.ConditionalRequestMiddleware": 710,
    # Last before the wire: every request's URL, as Scrapy and Twisted will read it, goes to one
    # of the agency's (scheme, host, port), or it is refused with its reason.
    "portalize.crawlers.middlewares.RequestGuardMiddleware": 990,
}
# `--origin HOST=URL`: the legacy host fetched from another address (crawlers/handlers.py).
DOWNLOAD_HANDLERS = {
    "http": "portalize.crawlers.handlers.OriginDownloadHandler",
    "https": "portalize.crawlers.handlers.OriginDownloadHandler",
}
ITEM_PIPELINES = {
    "portalize.crawlers.pipelines.LedgerPipeline": 300,
}
EXTENSIONS = {
    "portalize.crawlers.extensions.CrawlRunRecorder": 400,
    "portalize.crawlers.extensions.CrawlProgress": 500,
}

# portalize settings
PORTALIZE_DB = None            # ledger URL; defaults to PORTALIZE_DB env or var/portalize.db
PORTALIZE_JOBDIR = True        # keep Scrapy's job state in var/jobs/AGENCY (resume after Ctrl-C); JOBDIR wins
PORTALIZE_PROGRESS = False     # live progress line (the CLI turns it on)
PORTALIZE_MAX_PAGES = 20000    # hard limit per agency
PORTALIZE_MAX_SITEMAPS = 1000  # sitemaps (and sitemap indexes) per agency: their own budget, not pages'
PORTALIZE_MAX_DEPTH = 25       # links further than this from a start page are reported, not followed
PORTALIZE_MAX_ASSET_BYTES = 100 * 1024 * 1024  # files (images, attachments): their own size cap
PORTALIZE_REVALIDATE_ALL = False  # re-crawls: re-check every stored page, not only those changed lists show
# Cloaking check: this many web pages per crawl are fetched again with a Googlebot User-Agent
# and compared (every page once one answers differently); 0 turns the check off.
PORTALIZE_CLOAKING_CHECKS = 100
