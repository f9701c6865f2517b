<?php
/*
 * Runs PHP code inside the session's loaded WordPress, for test set-up that the REST API
 * cannot do (LocalWordPress.php()):
 *   php run.php DOCROOT SITE_URL < CODE
 * CODE is the body of a function; what it returns is printed as JSON.
 */
require __DIR__ . '/boot.php';
require ABSPATH . 'wp-load.php';
$parvis_code = stream_get_contents(STDIN);
$parvis_result = (function () use ($parvis_code) {
    return eval($parvis_code);
})();
echo json_encode($parvis_result), "\n";
