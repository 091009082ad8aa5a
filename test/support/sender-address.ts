/**
 * The sender's postal address the tests configure (`overture:senderPostalAddress`, the send
 * function's `SENDER_POSTAL_ADDRESS`): on several lines, as a real one often is.
 */
export const TEST_SENDER_POSTAL_ADDRESS = 'Example Shop\n100 Main Street\nSpringfield, IL 62701\nUSA';
