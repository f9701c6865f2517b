<?php
/*
 * Router of `php -S` for the test WordPress (parvis/testing/wordpress_server.py): it runs
 * first on every request, in the same PHP request as what it hands over to.
 *
 * The document root is the session's own tree: symbolic links to Debian's
 * /usr/share/wordpress, except wp-config.php (the session's) and wp-content (a real
 * per-session directory). Defining ABSPATH as that tree before WordPress does makes
 * wp-load.php read the session's wp-config.php instead of Debian's, which would look for
 * /etc/wordpress/config-<host>.php. (PHP resolves symbolic links in __DIR__, so without
 * this, scripts under wp-admin/ would reach Debian's wp-config.php.)
 */
$docroot = rtrim($_SERVER['DOCUMENT_ROOT'], '/');
define('ABSPATH', $docroot . '/');

$path = rawurldecode(parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH) ?? '/');
if (strpos($path, '..') === false && $path !== '/') {
    $file = $docroot . $path;
    // Static files (uploads under wp-content/) and PHP entry points (wp-admin/*.php,
    // wp-cron.php, wp-login.php…): the built-in server serves or runs them itself.
    if (is_file($file) || (is_dir($file) && is_file(rtrim($file, '/') . '/index.php'))) {
        if ($path === '/wp-cron.php') {
            // wp-cron.php loads WordPress only when ABSPATH is not defined yet (it is also
            // included from a loaded WordPress): load it here, with the session's config.
            require_once ABSPATH . 'wp-load.php';
        }
        return false;
    }
}

// Everything else goes to WordPress's front controller, as Apache's rewrite rules for
// WordPress do: pretty permalinks and /wp-json/… (the REST API).
$_SERVER['SCRIPT_NAME'] = '/index.php';
$_SERVER['PHP_SELF'] = '/index.php';
$_SERVER['SCRIPT_FILENAME'] = $docroot . '/index.php';
require $docroot . '/index.php';
