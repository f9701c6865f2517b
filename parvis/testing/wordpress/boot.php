<?php
/*
 * Loads the session's WordPress in php-cli, for install.php and run.php:
 *   php SCRIPT DOCROOT SITE_URL
 * Defines ABSPATH as the session's tree (see router.php) and fills the $_SERVER entries a
 * web request would have, which WordPress reads.
 */
if ($argc < 3) {
    fwrite(STDERR, "usage: php " . basename($argv[0]) . " DOCROOT SITE_URL\n");
    exit(2);
}
$parvis_docroot = rtrim($argv[1], '/');
$parvis_site = parse_url($argv[2]);
$_SERVER['HTTP_HOST'] = $parvis_site['host'] . (isset($parvis_site['port']) ? ':' . $parvis_site['port'] : '');
$_SERVER['SERVER_NAME'] = $parvis_site['host'];
$_SERVER['SERVER_PORT'] = (string) ($parvis_site['port'] ?? 80);
$_SERVER['REQUEST_URI'] = '/';
$_SERVER['REQUEST_METHOD'] = 'GET';
$_SERVER['SCRIPT_NAME'] = '/index.php';
$_SERVER['PHP_SELF'] = '/index.php';
define('ABSPATH', $parvis_docroot . '/');
